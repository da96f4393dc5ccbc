namespace Structured.Testing;

/// <summary>
/// Priorities by task id for PCT and POS. Ids are dense (0 for the loop's own callbacks, then 1, 2, ... in creation
/// order), so an array does what a dictionary would, with no hashing at every choice point and no generic
/// instantiation for the JIT to compile in the first run that uses it. Unset entries are NaN.
/// </summary>
internal struct PriorityTable
{
    double[] _values;

    internal PriorityTable(int capacity)
    {
        _values = new double[Math.Max(capacity, 4)];
        Array.Fill(_values, double.NaN);
    }

    /// <summary>The priority of <paramref name="taskId"/>, or false when it has none.</summary>
    internal readonly bool TryGet(int taskId, out double priority)
    {
        priority = (uint)taskId < (uint)_values.Length ? _values[taskId] : double.NaN;
        return !double.IsNaN(priority);
    }

    internal void Set(int taskId, double priority)
    {
        if ((uint)taskId >= (uint)_values.Length)
        {
            int old = _values.Length;
            Array.Resize(ref _values, Math.Max(old * 2, taskId + 1));
            Array.Fill(_values, double.NaN, old, _values.Length - old);
        }
        _values[taskId] = priority;
    }

    internal readonly void Remove(int taskId)
    {
        if ((uint)taskId < (uint)_values.Length)
            _values[taskId] = double.NaN;
    }
}
