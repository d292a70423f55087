namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// Tests on the one shared Slurm cluster reserve its four nodes: they run one class at a time, so one class's
/// reservation never makes another's "Requested nodes are busy". Put <c>[Collection(SlurmClusterCollection.Name)]</c>
/// on every <c>Pool=Slurm</c> class (but the time-limit class, <see cref="SlurmTimeLimitCollection"/>).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SlurmClusterCollection
{
    public const string Name = "Slurm cluster";
}

/// <summary>
/// The conformance suite's time-limit test on Slurm waits out Slurm's smallest limit, a minute, mostly idle: it runs in a
/// collection of its own, beside <see cref="SlurmClusterCollection"/>, on <see cref="SlurmCluster.SpareNode"/>, which the
/// other Slurm tests leave alone (their fixtures never offer it, and the portal's planner takes the first free nodes).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SlurmTimeLimitCollection
{
    public const string Name = "Slurm cluster, time limits";
}
