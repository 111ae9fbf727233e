namespace ViralForge.Tests.Infrastructure;

/// <summary>
/// Test classes that must have the machine to themselves: they restart the shared PostgreSQL, start
/// their own cluster, or assert on wall-clock bounds that another class's load would blur. xunit runs
/// this collection alone, after the classes that run two at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
