"""Reports a clinic's managers run the business from: pure queries that return `ReportData`.

One module per report family (appointments, revenue, treatments, patients, staff, inventory);
each report is a function `(ctx, ReportRange, ReportFilters) -> ReportData`, allowed to Admin and
Manager (`Permission.REPORT_VIEW`). Reports hold aggregates only: staff names and treatment
names, never a patient's details. Rendering (PDF, CSV) is in `common.printing`.
"""
