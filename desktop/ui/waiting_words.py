"""How a conversation that waits for the user's decision is marked: its sidebar row, the title.

Its own module so that the window's header (painted first, issue 8) does not import the
sidebar's list model for one sentence.
"""

WAITING_TEXT = "Waiting for your decision"  # the row's tooltip; the window title's mark
