"""The industry chain's application: production reports, orders, deliveries, attestations."""
