namespace Structured;

/// <summary>A structured service made of a delegate, for <c>services.AddStructuredService(name, body)</c>.</summary>
internal sealed class DelegateStructuredService(string name, Func<Nursery, CancellationToken, Task> body) : StructuredService
{
    public override string Name => name;

    internal override string LogCategory => "Structured.Services." + name;

    protected override Task RunAsync(Nursery nursery, CancellationToken stopping)
        => body(nursery, stopping) ?? throw new InvalidOperationException($"The body of structured service '{name}' returned a null Task; return the Task of an async method.");
}
