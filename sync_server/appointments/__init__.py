"""/api/appointments: routes, schemas and glue over common/ services."""
