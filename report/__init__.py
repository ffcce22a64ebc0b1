"""Budget-monitoring reports built from the marts, in French, for advocacy and steering committees."""
