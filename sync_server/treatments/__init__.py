"""/api/treatments: routes, schemas and glue over common/ services."""
