"""denialkb engine: claim facts, knowledge-base loading, compilation and decisions."""
