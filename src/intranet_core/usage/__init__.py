"""Usage recording for the intranet temperature: aggregated per person per day."""
