using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>What the rules need to know about Structured's API and about the code around a diagnostic.</summary>
/// <remarks>
/// "Code that uses Structured" (docs/analyzers/README.md): the type declaration that contains the code (the
/// outermost one, with everything nested in it; or the top-level statements of a file) names a type or member
/// of the namespace Structured or of a namespace below it, anywhere in it. The rules
/// that would be noise on ordinary .NET code (STR103-STR107) report only there, unless the .editorconfig key
/// <c>structured_analyzers.scope = all</c> makes every member count.
/// </remarks>
internal sealed class StructuredFacts
{
    private const string ScopeKey = "structured_analyzers.scope";
    private readonly ConcurrentDictionary<SyntaxNode, bool> _usesStructured = new();

    private StructuredFacts(Compilation compilation)
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

    /// <summary>The facts of a compilation, or null when it does not reference Structured (then no rule runs).</summary>
    public static StructuredFacts? TryCreate(Compilation compilation)
    {
        var facts = new StructuredFacts(compilation);
        return facts.CancelScope is null || facts.Nursery is null ? null : facts;
    }

    /// <summary>Registers <paramref name="register"/> only for compilations that reference Structured.</summary>
    public static void OnStructuredCompilation(AnalysisContext context, Action<CompilationStartAnalysisContext, StructuredFacts> register)
    {
        context.RegisterCompilationStartAction(start =>
        {
            var facts = TryCreate(start.Compilation);
            if (facts is not null)
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

    public static bool Is(ISymbol? symbol, INamedTypeSymbol? type) =>
        type is not null && SymbolEqualityComparer.Default.Equals(symbol, type);

    public static bool IsMethodOf(IMethodSymbol? method, INamedTypeSymbol? type, string name) =>
        method is not null && method.Name == name && Is(method.ContainingType?.OriginalDefinition, type);

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

    /// <summary>Whether the code at <paramref name="node"/> is "code that uses Structured" (see the type's remarks).</summary>
    public bool InStructuredCode(SyntaxNode node, SemanticModel model, AnalyzerOptions options, CancellationToken cancellationToken)
    {
        if (ScopeIsAll(node.SyntaxTree, options))
        {
            return true;
        }
        var member = EnclosingMember(node);
        return _usesStructured.GetOrAdd(member, m => NamesStructured(m, model, cancellationToken));
    }

    /// <summary>Whether <c>structured_analyzers.scope = all</c> applies to the file: all its code counts as Structured code.</summary>
    public static bool ScopeIsAll(SyntaxTree tree, AnalyzerOptions options) =>
        options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ScopeKey, out var scope) &&
        string.Equals(scope, "all", StringComparison.OrdinalIgnoreCase);

    /// <summary>The outermost type declaration around the node, or the compilation unit for top-level statements.</summary>
    private static SyntaxNode EnclosingMember(SyntaxNode node)
    {
        SyntaxNode? found = null;
        for (var n = node; n is not null; n = n.Parent)
        {
            if (n is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            {
                found = n;
            }
            else if (n is GlobalStatementSyntax && n.Parent is not null)
            {
                return n.Parent;
            }
        }
        return found ?? node.SyntaxTree.GetRoot();
    }

    private static bool NamesStructured(SyntaxNode member, SemanticModel model, CancellationToken cancellationToken)
    {
        IEnumerable<SyntaxNode> nodes = member is CompilationUnitSyntax unit
            ? unit.Members.OfType<GlobalStatementSyntax>().SelectMany(g => g.DescendantNodes())
            : member.DescendantNodes();
        foreach (var name in nodes.OfType<SimpleNameSyntax>())
        {
            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            if (symbol is not (INamespaceSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol) &&
                IsStructuredSymbol(symbol))
            {
                return true;
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
