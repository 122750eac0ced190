using System.Numerics;

namespace Solver.Inference.Algebra;

/// <summary>Exact values u ± v*sqrt(r) (r square-free, r = -1 style negatives become i), formatted as the user reads them.</summary>
public static class Surd
{
    /// <summary>Splits a non-negative rational q into s*sqrt(r) with s rational and r a square-free integer.</summary>
    public static (Rational Outside, BigInteger Inside) Sqrt(Rational q)
    {
        if (q.Sign < 0) throw new ArgumentException("negative");
        // sqrt(p/d) = sqrt(p*d)/d
        var (s, r) = SquareFree(q.Num * q.Den);
        return (new Rational(s, q.Den), r);
    }

    /// <summary>n = s^2 * r with r square-free; trial division, fine for the sizes equations produce.</summary>
    public static (BigInteger Square, BigInteger Free) SquareFree(BigInteger n)
    {
        BigInteger s = 1, r = 1;
        for (BigInteger p = 2; p * p <= n; p += p == 2 ? 1 : 2)
        {
            if (p > 1_000_000) { r *= n; n = 1; break; }
            int e = 0;
            while ((n % p).IsZero) { n /= p; e++; }
            s *= BigInteger.Pow(p, e / 2);
            if (e % 2 == 1) r *= p;
        }
        return (s, r * n);
    }

    /// <summary>The two roots (-b ± sqrt(disc)) / (2a) of a quadratic, exactly, as strings, plus whether they are real.</summary>
    public static (string Plus, string Minus, bool Real) QuadraticRoots(Rational a, Rational b, Rational c)
    {
        var disc = b * b - 4 * a * c;
        var u = -b / (2 * a);
        bool real = disc.Sign >= 0;
        var (outside, inside) = Sqrt(disc.Abs());
        var v = (outside / (2 * a)).Abs();
        return (Format(u, v, inside, real, +1), Format(u, v, inside, real, -1), real);
    }

    /// <summary>u + sign*v*sqrt(r) (times i when not real), over a common denominator: "1+sqrt(2)", "(-3-sqrt(5))/2", "1+2i".</summary>
    public static string Format(Rational u, Rational v, BigInteger r, bool real, int sign)
    {
        if (real && r.IsOne) return (u + (sign > 0 ? v : -v)).ToString();
        if (v.IsZero) return u.ToString();
        var den = Lcm(u.Den, v.Den);
        var p = u.Num * (den / u.Den);
        var q = v.Num * (den / v.Den);
        string radical = (real, r.IsOne) switch
        {
            (true, _) => $"sqrt({r})",
            (false, true) => "i",
            (false, false) => $"i*sqrt({r})",
        };
        string qTerm = q.IsOne ? radical : radical == "i" ? $"{q}i" : $"{q}*{radical}";
        string numerator = p.IsZero ? (sign > 0 ? qTerm : "-" + qTerm) : $"{p}{(sign > 0 ? "+" : "-")}{qTerm}";
        return den.IsOne ? numerator : p.IsZero && sign > 0 ? $"{numerator}/{den}" : $"({numerator})/{den}";
    }

    private static BigInteger Lcm(BigInteger a, BigInteger b) => a / BigInteger.GreatestCommonDivisor(a, b) * b;
}
