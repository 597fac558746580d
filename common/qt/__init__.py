"""The Qt code both apps share: background operations, language switching, table models, the
palette and icons, idle detection. It imports `common/` and never the apps."""
