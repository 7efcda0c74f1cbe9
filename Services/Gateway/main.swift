print("stakeline: not built yet")
