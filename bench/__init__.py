"""`make bench`: the production shape on one machine, measured against that machine's limits."""
