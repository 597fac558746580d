"""Everything the clinic prints, as PDF (reportlab) or CSV: report documents with charts, the
self-registration poster, patient cards and labels, label sheets, receipts and invoices.

Qt-free: the desktop previews and prints the PDFs these builders return.
"""
