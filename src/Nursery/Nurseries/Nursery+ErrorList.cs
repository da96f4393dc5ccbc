namespace Structured;

public sealed partial class Nursery
{
    /// <summary>
    /// The errors a nursery keeps for its exit, in the order they came, and its real failures by reference, to find one
    /// reported twice (a child's error that a sibling or the body awaited and let go).
    /// </summary>
    /// <remarks>
    /// Not a scan of the list: it also holds every cancelled child's cancellation, so a scan per failure would grow
    /// with the children. The failures are kept here (in the nursery's rare parts) rather than in a field of the
    /// nursery, so that a nursery without errors pays nothing; the first alone, and a set only from the second on (most
    /// failing nurseries fail once).
    /// Guarded by the nursery's scope gate.
    /// </remarks>
    internal sealed class ErrorList : List<Exception>
    {
        // The real failures: none (null), the only one so far (an Exception), or a set of them by reference.
        object? _failures;

        /// <summary>Adds an error: one of our cancellations, or a real failure.</summary>
        public void Add(Exception error, bool ours)
        {
            Add(error);
            if (ours)
                return;
            switch (_failures)
            {
                case null:
                    _failures = error;
                    break;
                case HashSet<Exception> set:
                    set.Add(error);
                    break;
                default:
                    _failures = new HashSet<Exception>(ReferenceEqualityComparer.Instance) { (Exception)_failures, error };
                    break;
            }
        }

        /// <summary>Whether this very exception is a real failure already added.</summary>
        public bool IsFailure(Exception error)
            => _failures is HashSet<Exception> set ? set.Contains(error) : ReferenceEquals(_failures, error);
    }
}
