"""/api/patients: routes, schemas and glue over common/ services."""
