"""Reports: pick a report, a period and its filters, run it on the worker, preview its pages and
key figures, print it through the system dialog, export it as PDF or CSV."""
