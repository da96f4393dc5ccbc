namespace Structured;

/// <summary>
/// Marks an awaitable member of Structured that is not a checkpoint: it never throws <c>Cancelled</c> and
/// never yields to other tasks (a channel end's <c>DisposeAsync</c>). The STR analyzers read it by name
/// (docs/analyzers/README.md, "Which awaits are checkpoints"): every other awaitable of the library is one, so an
/// await of a marked member in a <c>finally</c> block needs no shield (STR102) and does not count as the
/// checkpoint of a path (STR112).
/// </summary>
/// <remarks>
/// Internal: the analyzers match it by its name, not by its identity, so each runtime assembly may use this one
/// (Loop's internals are visible to Nursery, Channels, Hosting and AspNetCore).
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
internal sealed class NotACheckpointAttribute : Attribute;
