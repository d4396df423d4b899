"""Fact-check sources: ClaimReview feeds, sitemaps and Google queries synced on a schedule."""
