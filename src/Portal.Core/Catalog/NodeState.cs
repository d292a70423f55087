namespace Portal.Core.Catalog;

/// <summary>A GPU server's state in the pool. Only Ready nodes take new allocations.</summary>
public enum NodeState { Ready, Maintenance, Draining, Failed }
