"""Pure helpers shared by rules: look-ups over RuleContext, compat-array arithmetic, fix drafts.

Nothing here knows an individual rule; rules/ modules import these to stay short.
"""
