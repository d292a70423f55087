namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// Tests on the one shared Slurm cluster reserve its four nodes: they run one class at a time, so one class's
/// reservation never makes another's "Requested nodes are busy". Put <c>[Collection(SlurmClusterCollection.Name)]</c>
/// on every <c>Pool=Slurm</c> class.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SlurmClusterCollection
{
    public const string Name = "Slurm cluster";
}
