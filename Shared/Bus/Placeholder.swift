import CZeroMQ
public enum BusPlaceholder {}
