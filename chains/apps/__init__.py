"""What the tax, industry and finance applications share: members, roles, records, rules."""
