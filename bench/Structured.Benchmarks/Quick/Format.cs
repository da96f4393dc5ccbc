using System.Globalization;

namespace Benchmarks;

/// <summary>Number formatting for the report: invariant culture, few significant digits.</summary>
public static class Format
{
    /// <summary>A number with about three significant digits and thousands separators.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
            return "—";
        double a = Math.Abs(value);
        string format = a >= 100 ? "N0" : a >= 10 ? "N1" : a >= 1 ? "N2" : "N3";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}
