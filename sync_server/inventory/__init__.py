"""/api/inventory: routes, schemas and glue over common/ services."""
