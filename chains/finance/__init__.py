"""The finance chain's application: credit policies, loan applications and decisions."""
