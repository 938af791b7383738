"""The demo: a control window standing in for hands, phones and meters, and the scripted
walk-through that runs offscreen when there is no display."""
