using System.Numerics;
using System.Text;

namespace Solver.Inference.Algebra;

/// <summary>A polynomial in one variable with exact rational coefficients; Coefficients[k] multiplies x^k.</summary>
public sealed class Polynomial
{
    private readonly Rational[] c;

    public Polynomial(params Rational[] coefficients)
    {
        int n = coefficients.Length;
        while (n > 0 && coefficients[n - 1].IsZero) n--;
        c = coefficients[..n];
    }

    public static readonly Polynomial Zero = new();
    public static readonly Polynomial One = new(Rational.One);
    public static readonly Polynomial X = new(Rational.Zero, Rational.One);

    public static Polynomial Constant(Rational v) => new(v);

    public IReadOnlyList<Rational> Coefficients => c;
    /// <summary>-1 for the zero polynomial.</summary>
    public int Degree => c.Length - 1;
    public bool IsZero => c.Length == 0;
    public bool IsConstant => c.Length <= 1;
    public Rational this[int k] => k < c.Length ? c[k] : Rational.Zero;
    public Rational Leading => c.Length == 0 ? Rational.Zero : c[^1];

    public static Polynomial operator +(Polynomial a, Polynomial b)
    {
        var r = new Rational[Math.Max(a.c.Length, b.c.Length)];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] + b[i];
        return new Polynomial(r);
    }

    public static Polynomial operator -(Polynomial a) => new(a.c.Select(v => -v).ToArray());
    public static Polynomial operator -(Polynomial a, Polynomial b) => a + -b;

    public static Polynomial operator *(Polynomial a, Polynomial b)
    {
        if (a.IsZero || b.IsZero) return Zero;
        var r = Enumerable.Repeat(Rational.Zero, a.c.Length + b.c.Length - 1).ToArray();
        for (int i = 0; i < a.c.Length; i++)
        for (int j = 0; j < b.c.Length; j++) r[i + j] += a.c[i] * b.c[j];
        return new Polynomial(r);
    }

    public static Polynomial operator *(Rational k, Polynomial p) => new(p.c.Select(v => k * v).ToArray());

    public const int MaxDegree = 64;

    public Polynomial Pow(int n)
    {
        if (n < 0) throw new ArgumentException("negative power of a polynomial");
        if ((long)Math.Max(Degree, 0) * n > MaxDegree) throw new AlgebraException($"degree {(long)Degree * n} is too high (at most {MaxDegree})");
        var r = One;
        for (int i = 0; i < n; i++) r *= this;
        return r;
    }

    public Rational Evaluate(Rational x)
    {
        var r = Rational.Zero;
        for (int i = c.Length - 1; i >= 0; i--) r = r * x + c[i];
        return r;
    }

    public Complex Evaluate(Complex x)
    {
        Complex r = 0;
        for (int i = c.Length - 1; i >= 0; i--) r = r * x + c[i].ToDouble();
        return r;
    }

    /// <summary>Divides by (x - root) when root is a root; returns the quotient.</summary>
    public Polynomial DivideByRoot(Rational root)
    {
        var q = new Rational[Math.Max(0, c.Length - 1)];
        var carry = Rational.Zero;
        for (int i = c.Length - 1; i >= 1; i--)
        {
            carry = carry * root + c[i];
            q[i - 1] = carry;
        }
        return new Polynomial(q);
    }

    /// <summary>The same roots with integer coefficients (multiplied by the lcm of the denominators, divided by their gcd).</summary>
    public BigInteger[] IntegerCoefficients()
    {
        var lcm = BigInteger.One;
        foreach (var v in c) lcm = lcm / BigInteger.GreatestCommonDivisor(lcm, v.Den) * v.Den;
        var ints = c.Select(v => v.Num * (lcm / v.Den)).ToArray();
        var g = ints.Aggregate(BigInteger.Zero, BigInteger.GreatestCommonDivisor);
        return g.IsZero || g.IsOne ? ints : ints.Select(v => v / g).ToArray();
    }

    /// <summary>Human text such as 3x^2 - x + 1/2.</summary>
    public string ToString(string variable)
    {
        if (IsZero) return "0";
        var sb = new StringBuilder();
        for (int k = c.Length - 1; k >= 0; k--)
        {
            var v = c[k];
            if (v.IsZero) continue;
            bool first = sb.Length == 0;
            if (v.Sign < 0) sb.Append(first ? "-" : " - ");
            else if (!first) sb.Append(" + ");
            var a = v.Abs();
            string mono = k == 0 ? "" : k == 1 ? variable : $"{variable}^{k}";
            if (k == 0) sb.Append(a);
            else if (a == Rational.One) sb.Append(mono);
            else sb.Append(a.IsInteger ? $"{a}{mono}" : $"({a}){mono}");
        }
        return sb.ToString();
    }

    public override string ToString() => ToString("x");
}

/// <summary>An algebra problem a user can fix or should know about: the message says what and, where known, where.</summary>
public sealed class AlgebraException(string message) : Exception(message);
