import ServiceKit
print("probe")
