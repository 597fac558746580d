"""Reading codes from a camera, Qt-free: frame sources, the decoder and the capture pipeline.

    source (webcam, video file, frames in memory) -> ScanPipeline -> Decoder -> payload strings

A test or a benchmark puts a video file or an iterator of frames where the webcam would be and
everything after the source is the same code a kiosk runs.
"""
