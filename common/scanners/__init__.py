"""Barcode scanners that are not keyboards, Qt-free: serial (RS-232 / USB CDC-ACM) scanners.

The keyboard-wedge scanner is a Qt event filter (common/qt/scanner.py); the webcam is
common/vision with common/qt/camera.py.
"""
