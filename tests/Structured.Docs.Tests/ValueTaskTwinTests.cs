using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace DocsTests;

/// <summary>
/// docs/decisions/0008's promise, kept by reflection: every public method of every Structured assembly that takes a
/// body (a delegate returning <see cref="Task"/> or <see cref="Task{TResult}"/>) has a twin taking the same delegate
/// returning <see cref="ValueTask"/> / <see cref="ValueTask{TResult}"/>, with a lower overload resolution priority so
/// that an async lambda still binds to the Task form (issue 25, item 8).
/// </summary>
public class ValueTaskTwinTests
{
    /// <summary>Every Structured assembly next to the tests (the analyzers excepted: they take no bodies, and are not a runtime library).</summary>
    static List<Assembly> StructuredAssemblies()
    {
        // Referenced here so that each is copied next to the tests, whether or not a doc snippet uses it.
        Type[] anchors =
        [
            typeof(Loop), typeof(Nursery), typeof(MemoryChannel), typeof(TestLoop), typeof(Signals),
            typeof(Microsoft.Extensions.DependencyInjection.StructuredRequestsServiceCollectionExtensions),
            typeof(OpenTelemetry.Metrics.StructuredMeterProviderBuilderExtensions),
        ];
        var names = Directory.EnumerateFiles(AppContext.BaseDirectory, "Structured*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !n.EndsWith(".Tests", StringComparison.Ordinal) && n != "Structured.Analyzers")
            .ToHashSet(StringComparer.Ordinal);
        foreach (var anchor in anchors)
            Assert.Contains(anchor.Assembly.GetName().Name!, names);
        return names.Order(StringComparer.Ordinal).Select(n => Assembly.Load(new AssemblyName(n!))).ToList();
    }

    static IEnumerable<MethodInfo> PublicMethods(Assembly assembly)
        => assembly.GetExportedTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName);

    /// <summary>The index of the parameter that is a body of the given kind (<paramref name="valueTask"/>: returns a ValueTask), or -1.</summary>
    static int BodyIndex(MethodInfo method, bool valueTask)
    {
        var parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (ReturnOf(parameters[i].ParameterType) is { } returns && IsTaskLike(returns, valueTask))
                return i;
        }
        return -1;
    }

    static Type? ReturnOf(Type type)
        => typeof(Delegate).IsAssignableFrom(type) && type != typeof(Delegate) && type != typeof(MulticastDelegate)
            ? type.GetMethod("Invoke")!.ReturnType
            : null;

    static bool IsTaskLike(Type type, bool valueTask)
    {
        var plain = valueTask ? typeof(ValueTask) : typeof(Task);
        var generic = valueTask ? typeof(ValueTask<>) : typeof(Task<>);
        return type == plain || (type.IsGenericType && type.GetGenericTypeDefinition() == generic);
    }

    /// <summary>A method's shape with its body's Task turned into ValueTask: what its twin's shape must be.</summary>
    static string Shape(MethodInfo method, int body, bool toValueTask)
    {
        var text = new StringBuilder(method.DeclaringType!.FullName).Append('.').Append(method.Name)
            .Append('`').Append(method.GetGenericArguments().Length).Append('(');
        var parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (i > 0)
                text.Append(", ");
            text.Append(toValueTask && i == body ? DescribeAsValueTaskBody(parameters[i].ParameterType) : Describe(parameters[i].ParameterType));
        }
        return text.Append(')').ToString();
    }

    static string Describe(Type type)
    {
        if (type.IsGenericMethodParameter)
            return "!!" + type.GenericParameterPosition;
        if (type.IsGenericTypeParameter)
            return "!" + type.GenericParameterPosition;
        if (!type.IsGenericType)
            return type.FullName ?? type.Name;
        return $"{type.GetGenericTypeDefinition().FullName}[{string.Join(", ", type.GetGenericArguments().Select(Describe))}]";
    }

    /// <summary>A body's delegate type with its Task return turned into ValueTask (Func&lt;A, Task&lt;T&gt;&gt; to Func&lt;A, ValueTask&lt;T&gt;&gt;).</summary>
    static string DescribeAsValueTaskBody(Type type)
    {
        Assert.True(type.IsGenericType, $"{type}: a body's delegate is a Func");
        var arguments = type.GetGenericArguments();
        var returns = arguments[^1];
        string asValueTask = returns == typeof(Task) ? typeof(ValueTask).FullName! : $"{typeof(ValueTask<>).FullName}[{Describe(returns.GetGenericArguments()[0])}]";
        return $"{type.GetGenericTypeDefinition().FullName}[{string.Join(", ", arguments[..^1].Select(Describe).Append(asValueTask))}]";
    }

    static int Priority(MethodInfo method)
        => method.GetCustomAttribute<OverloadResolutionPriorityAttribute>()?.Priority ?? 0;

    [Fact]
    public void Every_public_method_that_takes_a_Task_body_has_a_ValueTask_twin_of_lower_priority()
    {
        var missing = new List<string>();
        int checkedCount = 0;
        foreach (var assembly in StructuredAssemblies())
        {
            var methods = PublicMethods(assembly).ToList();
            var valueTaskForms = methods
                .Select(m => (Method: m, Body: BodyIndex(m, valueTask: true)))
                .Where(m => m.Body >= 0)
                .ToLookup(m => Shape(m.Method, m.Body, toValueTask: false), m => m.Method, StringComparer.Ordinal);
            foreach (var method in methods)
            {
                int body = BodyIndex(method, valueTask: false);
                if (body < 0)
                    continue;
                checkedCount++;
                string twinShape = Shape(method, body, toValueTask: true);
                var twin = valueTaskForms[twinShape].FirstOrDefault();
                if (twin is null)
                    missing.Add($"{assembly.GetName().Name}: {Shape(method, body, toValueTask: false)} has no ValueTask twin {twinShape}");
                else if (Priority(twin) >= Priority(method))
                    missing.Add($"{assembly.GetName().Name}: the ValueTask twin {twinShape} needs [OverloadResolutionPriority(-1)] (an async lambda would be ambiguous)");
            }
        }
        Assert.True(checkedCount >= 20, $"only {checkedCount} body-taking methods found: is the search broken?");
        Assert.True(missing.Count == 0, "decision 0008 says every method that takes a body has both forms:\n" + string.Join('\n', missing));
    }
}
