using System.Diagnostics;

namespace Structured;

/// <summary>
/// The parts of a <see cref="Nursery"/> that few nurseries use, in one object made on first use: the errors its body
/// and children ended with, the activity of a nursery opened while a tracing listener sampled it, and
/// Structured.Hosting's quiet-end test of a service's root nursery. Kept apart so that the nursery of a request handler's fan-out stays small (docs/performance.md, "The
/// nursery fan-out under the request scope").
/// </summary>
internal sealed class NurseryRareParts
{
    /// <summary>The errors kept for the nursery's exit, in the order they happened (guarded by the scope's gate).</summary>
    internal Nursery.ErrorList? Errors;

    /// <summary>The nursery's activity while a tracing listener sampled it.</summary>
    internal Activity? Activity;

    /// <summary>A child's error this accepts ends the child quietly (see <c>Nursery.IsQuietEnd</c>).</summary>
    internal Func<Exception, bool>? IsQuietEnd;
}
