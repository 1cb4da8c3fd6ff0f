"""The tax chain's application: filings, payments, e-invoices and clearance certificates."""
