"""/api/staff: routes, schemas and glue over common/ services."""
