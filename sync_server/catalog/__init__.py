"""/api/catalog: routes, schemas and glue over common/ services."""
