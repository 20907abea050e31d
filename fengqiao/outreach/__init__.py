"""Outreach (走访与宣传): household visit campaigns (大走访), anti-fraud work, the public page
of who looks after a building, and recognition of the people who help."""
