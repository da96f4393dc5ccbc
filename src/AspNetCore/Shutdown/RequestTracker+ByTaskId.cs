namespace Structured;

internal sealed partial class RequestTracker
{
    /// <summary>Requests are equal when they are the same object; hashed by their task's id, which is unique in the process.</summary>
    sealed class ByTaskId : IEqualityComparer<StructuredRequest>
    {
        internal static readonly ByTaskId Instance = new();

        public bool Equals(StructuredRequest? x, StructuredRequest? y) => ReferenceEquals(x, y);

        public int GetHashCode(StructuredRequest obj) => obj.Root.Id.GetHashCode();
    }
}
