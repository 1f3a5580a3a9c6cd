"""Tools for helpline staff: search, fact sheets, upkeep reports and the missed-questions report."""
