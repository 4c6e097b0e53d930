"""From requirements to a choice: the questionnaire, the recommendation, the cost model, workshops, and the
knowledge files they read (feature matrix, prices)."""
