using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>What the rules need to know about Structured's API and about the code around a diagnostic.</summary>
/// <remarks>
/// <para>One instance per compilation, shared by every STR analyzer (<see cref="OnStructuredCompilation"/>): a
/// compilation that does not reference Structured.Nursery gets none, and then no rule registers anything.</para>
/// <para>"Code that uses Structured" (docs/analyzers/README.md) is decided per member: the member declaration
/// (method, constructor, property, indexer, operator, field or event initializer, with the lambdas and local
/// functions in it; or the top-level statements of a file) names a type or member of the namespace Structured or of
/// a namespace below it, or overrides / implements a member of a Structured type. The decision is cached per
/// member and cheap: only the names that are names of Structured's API are looked up. The rules that would be noise
/// on ordinary .NET code (STR103-STR108) report only there, unless the .editorconfig key
/// <c>structured_analyzers.scope = all</c> makes every member count; the others use it as a filter before any
/// semantic work (a member that names nothing of Structured cannot call it).</para>
/// </remarks>
internal sealed partial class StructuredFacts
{
    private static readonly ConditionalWeakTable<Compilation, Box> PerCompilation = new();
    private readonly Lazy<(HashSet<string> Api, HashSet<string> Types)> _names;
    private readonly bool _globalUsing;
    private bool? _anyFile;

    private StructuredFacts(Compilation compilation, bool globalUsing)
    {
        CancelScope = compilation.GetTypeByMetadataName("Structured.CancelScope");
        Nursery = compilation.GetTypeByMetadataName("Structured.Nursery");
        Cancelled = compilation.GetTypeByMetadataName("Structured.Cancelled");
        Checkpoint = compilation.GetTypeByMetadataName("Structured.Checkpoint");
        Time = compilation.GetTypeByMetadataName("Structured.Time");
        IStarted = compilation.GetTypeByMetadataName("Structured.IStarted");
        IStartedOfT = compilation.GetTypeByMetadataName("Structured.IStarted`1");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        OperationCanceledException = compilation.GetTypeByMetadataName("System.OperationCanceledException");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        ListOfT = compilation.GetTypeByMetadataName("System.Collections.Generic.List`1");
        NetworkStream = compilation.GetTypeByMetadataName("System.Net.Sockets.NetworkStream");
        Tcp = compilation.GetTypeByMetadataName("Structured.Tcp");
        StructuredService = compilation.GetTypeByMetadataName("Structured.StructuredService");
        // Walking Structured's symbols decodes its assemblies' metadata: done only when a file passes the token filter
        // (or, with a global using of Structured, for that filter), never for a foreign codebase's files.
        _names = new Lazy<(HashSet<string>, HashSet<string>)>(() => CollectApiNames(compilation, globalUsing), LazyThreadSafetyMode.ExecutionAndPublication);
        _globalUsing = globalUsing;
        // Without a global using, TryCreate has already found a file that says Structured (AnyFileSaysStructured), which
        // is what AnyFileNamesStructured would look for again.
        _anyFile = globalUsing ? null : true;
    }

    public INamedTypeSymbol? CancelScope { get; }
    public INamedTypeSymbol? Nursery { get; }
    public INamedTypeSymbol? Cancelled { get; }
    public INamedTypeSymbol? Checkpoint { get; }
    public INamedTypeSymbol? Time { get; }
    public INamedTypeSymbol? IStarted { get; }
    public INamedTypeSymbol? IStartedOfT { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? OperationCanceledException { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? TimeSpan { get; }
    public INamedTypeSymbol? ListOfT { get; }
    public INamedTypeSymbol? NetworkStream { get; }
    public INamedTypeSymbol? Tcp { get; }
    public INamedTypeSymbol? StructuredService { get; }

    /// <summary>
    /// The facts of a compilation, or null when it does not reference Structured (then no rule runs). Computed once
    /// per compilation and shared by all the analyzers.
    /// </summary>
    public static StructuredFacts? TryCreate(Compilation compilation) =>
        PerCompilation.GetValue(compilation, c => new Box(Create(c))).Facts;

    private static StructuredFacts? Create(Compilation compilation)
    {
        if (!ReferencesStructured(compilation))
        {
            return null;
        }
        var globalUsing = HasGlobalUsing(compilation);
        if (!globalUsing && !AnyFileSaysStructured(compilation))
        {
            return null;
        }
        var facts = new StructuredFacts(compilation, globalUsing);
        return facts.CancelScope is null || facts.Nursery is null ? null : facts;
    }

    /// <summary>A cheap test before any symbol lookup: the compilation references Structured.Nursery or is it.</summary>
    private static bool ReferencesStructured(Compilation compilation) =>
        compilation.AssemblyName == "Structured.Nursery" ||
        compilation.ReferencedAssemblyNames.Any(a => a.Name == "Structured.Nursery");

    /// <summary>Registers <paramref name="register"/> only for compilations that reference Structured.</summary>
    public static void OnStructuredCompilation(AnalysisContext context, Action<CompilationStartAnalysisContext, StructuredFacts> register)
    {
        context.RegisterCompilationStartAction(start =>
        {
            var facts = TryCreate(start.Compilation);
            // A compilation that references Structured but none of whose files names it (a foreign codebase, a
            // library that only passes the reference on): nothing to register, no callback per node.
            if (facts is not null && facts.AnyFileNamesStructured(start.Compilation, start.CancellationToken))
            {
                register(start, facts);
            }
        });
    }

    /// <summary>Whether a symbol is declared in the namespace Structured or below it.</summary>
    public static bool IsStructuredSymbol(ISymbol? symbol)
    {
        if (symbol is null)
        {
            return false;
        }
        if (symbol is IMethodSymbol { ReducedFrom: { } reduced })
        {
            symbol = reduced;
        }
        var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        var ns = type?.ContainingNamespace ?? symbol.ContainingNamespace;
        if (ns is null)
        {
            return false;
        }
        while (ns.ContainingNamespace is { IsGlobalNamespace: false } outer)
        {
            ns = outer;
        }
        return !ns.IsGlobalNamespace && ns.Name == "Structured";
    }

    /// <summary>
    /// A member of the library marked <c>[NotACheckpoint]</c> (matched by name: the attribute is internal to each
    /// runtime assembly): awaiting it never throws Cancelled and never yields.
    /// </summary>
    public static bool IsNotACheckpoint(ISymbol symbol)
    {
        for (var s = symbol; s is not null; s = (s as IMethodSymbol)?.OverriddenMethod)
        {
            if (s.OriginalDefinition.GetAttributes().Any(a => a.AttributeClass?.Name == "NotACheckpointAttribute"))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether an await of a call of <paramref name="method"/> is a checkpoint, judged by the callee alone (STR112's
    /// checkpoints, STR113's reachable waits): false for a <c>[NotACheckpoint]</c> member; true for Structured's API
    /// (every operation is a cancel point) and a delegate's Invoke (the delegate is judged where it is written); null
    /// when the call decides (the tokens it is given, whether the callee is the compilation's own source).
    /// </summary>
    public static bool? IsCheckpointCallee(IMethodSymbol method)
    {
        if (method.ReducedFrom is { } reduced)
        {
            method = reduced;
        }
        if (IsNotACheckpoint(method))
        {
            return false;
        }
        if (IsStructuredApi(method) || method.MethodKind == MethodKind.DelegateInvoke)
        {
            return true;
        }
        return null;
    }

    /// <summary>Declared in an assembly of Structured (Structured.Hosting's extension methods live in Microsoft.Extensions.Hosting).</summary>
    public static bool IsFromStructuredAssembly(ISymbol symbol) =>
        symbol.ContainingAssembly?.Name is { } name && name.StartsWith("Structured.", StringComparison.Ordinal) && name != "Structured.Analyzers";

    /// <summary>Structured's API: declared in its namespaces, or in one of its assemblies (the hosting extensions).</summary>
    public static bool IsStructuredApi(ISymbol symbol) => IsStructuredSymbol(symbol) || IsFromStructuredAssembly(symbol);

    /// <summary>
    /// A token that a cancel scope's cancellation reaches: <c>CancelScope.CurrentToken</c>, <c>scope.Token</c>; the
    /// token parameter of a lambda given to a Structured call (<c>nursery.StartSoon(ct =&gt; ...)</c>); the token
    /// parameter of an override of a Structured member (a StructuredService's <c>stopping</c>, cancelled with the
    /// service's nursery); <c>cts.Token</c> of a <c>CancellationTokenSource.CreateLinkedTokenSource(...)</c> given such a
    /// token; a local initialised with one of these.
    /// </summary>
    public bool IsScopeToken(ExpressionSyntax? expression, SemanticModel model, CancellationToken ct, int depth = 0)
    {
        while (expression is ParenthesizedExpressionSyntax p)
        {
            expression = p.Expression;
        }
        if (expression is null || depth > 3)
        {
            return false;
        }
        var symbol = model.GetSymbolInfo(expression, ct).Symbol;
        switch (symbol)
        {
            case IPropertySymbol { Name: "Token" or "CurrentToken" } property when Is(property.ContainingType, CancelScope):
                return true;
            case IPropertySymbol { Name: "Token" } when expression is MemberAccessExpressionSyntax { Expression: var source }:
                // cts.Token, where cts = CancellationTokenSource.CreateLinkedTokenSource(scopeToken, ...)
                return model.GetSymbolInfo(source, ct).Symbol is ILocalSymbol cts &&
                    cts.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is VariableDeclaratorSyntax { Initializer.Value: InvocationExpressionSyntax create } &&
                    create.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CreateLinkedTokenSource" } &&
                    create.ArgumentList.Arguments.Any(a => IsScopeToken(a.Expression, model, ct, depth + 1));
            case IParameterSymbol parameter when parameter.ContainingSymbol is IMethodSymbol owner:
                if (owner.MethodKind == MethodKind.AnonymousFunction)
                {
                    // A token handed to the lambda by Structured (StartSoon's ct, AddStructuredService's stopping, which
                    // lives in the namespace of IServiceCollection): cancelled with the scope the lambda runs in.
                    return owner.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is { Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } } &&
                        model.GetSymbolInfo(call, ct).Symbol is { } callee && IsStructuredApi(callee);
                }
                return owner.OverriddenMethod is { } overridden && IsStructuredSymbol(overridden);
            case ILocalSymbol local when Is(local.Type, CancellationToken):
                return local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is VariableDeclaratorSyntax { Initializer.Value: var init } &&
                    IsScopeToken(init, model, ct, depth + 1);
            default:
                return false;
        }
    }

    public static bool Is(ISymbol? symbol, INamedTypeSymbol? type) =>
        type is not null && SymbolEqualityComparer.Default.Equals(symbol, type);

    public static bool IsMethodOf(IMethodSymbol? method, INamedTypeSymbol? type, string name) =>
        method is not null && method.Name == name && Is(method.ContainingType?.OriginalDefinition, type);

    /// <summary>The lambda of <c>x.RunAsync(lambda)</c>, its only argument: the cheap syntax test of STR109 and STR111, before <see cref="IsNurseryRunAsync"/>.</summary>
    public static AnonymousFunctionExpressionSyntax? RunAsyncLambda(InvocationExpressionSyntax invocation) =>
        invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "RunAsync" } &&
        invocation.ArgumentList.Arguments.Count == 1 &&
        invocation.ArgumentList.Arguments[0].Expression is AnonymousFunctionExpressionSyntax lambda ? lambda : null;

    /// <summary>Whether the call, in a member that names Structured, is Nursery.RunAsync.</summary>
    public bool IsNurseryRunAsync(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken) =>
        MemberUsesStructured(invocation, model, cancellationToken) &&
        model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method && Is(method.ContainingType, Nursery);

    /// <summary>Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        var original = type?.OriginalDefinition;
        return Is(original, Task) || Is(original, TaskOfT) || Is(original, ValueTask) || Is(original, ValueTaskOfT);
    }

    /// <summary>OperationCanceledException or a type derived from it (Cancelled, TaskCanceledException).</summary>
    public bool IsCancellationType(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (Is(t, OperationCanceledException))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether the type is Structured's cancellation exception or one of its base types (a catch of it catches Cancelled).</summary>
    public bool CatchesCancelled(ITypeSymbol? caught)
    {
        if (caught is null)
        {
            return true;
        }
        for (ITypeSymbol? t = Cancelled ?? OperationCanceledException; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, caught))
            {
                return t.SpecialType != SpecialType.System_Object;
            }
        }
        return false;
    }

    /// <summary>The function (lambda, local function, method, accessor) whose body contains the node.</summary>
    public static SyntaxNode? EnclosingFunction(SyntaxNode node)
    {
        for (var n = node.Parent; n is not null; n = n.Parent)
        {
            if (IsFunction(n))
            {
                return n;
            }
        }
        return null;
    }

    public static bool IsFunction(SyntaxNode n) =>
        n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax
            or AccessorDeclarationSyntax or ArrowExpressionClauseSyntax { Parent: BasePropertyDeclarationSyntax }
            or CompilationUnitSyntax;

    public static bool IsAsyncFunction(SyntaxNode? function) => function switch
    {
        AnonymousFunctionExpressionSyntax f => f.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        LocalFunctionStatementSyntax f => f.Modifiers.Any(SyntaxKind.AsyncKeyword),
        BaseMethodDeclarationSyntax f => f.Modifiers.Any(SyntaxKind.AsyncKeyword),
        CompilationUnitSyntax unit => unit.DescendantNodes(n => !IsFunction(n) || n == unit).OfType<AwaitExpressionSyntax>().Any(),
        _ => false,
    };

    /// <summary>The nodes of <paramref name="root"/> that run as part of it: nested lambdas and local functions are skipped.</summary>
    public static IEnumerable<SyntaxNode> OwnNodes(SyntaxNode root) =>
        root.DescendantNodesAndSelf(n => n == root || !IsFunction(n));

    /// <summary>Whether the code awaits (await, await foreach, await using) or calls Checkpoint.ThrowIfCancelled, outside nested functions.</summary>
    public bool HasCancelPoint(SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var n in OwnNodes(root))
        {
            switch (n)
            {
                case AwaitExpressionSyntax:
                case CommonForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }:
                case UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }:
                case LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }:
                    return true;
                case InvocationExpressionSyntax invocation
                    when model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol m && IsMethodOf(m, Checkpoint, "ThrowIfCancelled"):
                    return true;
            }
        }
        return false;
    }

    /// <summary>The expression an await waits on, without a trailing ConfigureAwait(...).</summary>
    public static ExpressionSyntax Awaited(AwaitExpressionSyntax await)
    {
        var e = await.Expression;
        while (e is ParenthesizedExpressionSyntax p)
        {
            e = p.Expression;
        }
        if (e is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } access })
        {
            e = access.Expression;
        }
        return e;
    }
}
