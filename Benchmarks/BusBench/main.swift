import Bus
print("bench placeholder")
