"""/api/licensing: routes, schemas and glue over common/ services."""
