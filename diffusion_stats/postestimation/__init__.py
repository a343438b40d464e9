"""After the fit: predictions, marginal effects and contrasts (``effects``), and counterfactual
adoption curves with a channel switched off (``counterfactual``).

See ``docs/design.md`` for the layout of the package.
"""
