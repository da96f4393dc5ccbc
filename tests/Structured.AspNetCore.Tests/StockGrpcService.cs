using System.Text;
using Grpc.Core;

namespace AspNetCoreTests;

/// <summary>
/// A gRPC service without generated code (a hand-written method and marshaller): Grpc.AspNetCore finds <see cref="Get"/>
/// by the method's name, as it does for generated services. What it does is the test's <see cref="StockBehaviour"/>.
/// </summary>
[BindServiceMethod(typeof(StockGrpcService), nameof(BindService))]
public class StockGrpcService(StockBehaviour behaviour)
{
    internal static readonly Marshaller<string> Text = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));

    internal static readonly Method<string, string> GetMethod = new(MethodType.Unary, "test.Stock", "Get", Text, Text);

    /// <summary>Called by Grpc.AspNetCore with a binder that records the methods (the service instance is null then).</summary>
    public static void BindService(ServiceBinderBase binder, StockGrpcService? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(GetMethod, service is null ? null : service.Get);
    }

    // Virtual, and declared by the type BindService names: what Grpc.AspNetCore's binder looks for (generated code's base class).
    public virtual Task<string> Get(string request, ServerCallContext context) => behaviour.Handle(request, context);
}

/// <summary>What the test's gRPC service does with a call.</summary>
public sealed class StockBehaviour(Func<string, ServerCallContext, Task<string>> handle)
{
    public Func<string, ServerCallContext, Task<string>> Handle { get; } = handle;
}
