"""The Qt-free core shared by the desktop app, the kiosk and the sync server."""
