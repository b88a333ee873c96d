"""Find the numbers in a piece of text and normalize them: the number engine of extraction.

:func:`parse_quantities` turns every number in a string into a
:class:`~newsclaims.models.Quantity` (value, unit, offsets, qualifier, direction). It
needs no spaCy and never raises; on the real news dump it reads about 0.3 ms of CPU
per 4 KB of text (``benchmarks/quantities.py --speed``).

Layout: ``_lexicon`` loads the tables (units, tickers, number words, qualifier
phrases: the JSON files in ``newsclaims/data/quantities/``), ``_patterns`` compiles the
regular expressions, ``_words`` reads numbers written in words, ``_atoms`` reads one
number with its sign, currency, magnitude and unit, and ``_parse`` scans a text and
builds the quantities (ranges, qualifiers).

What it reads:

* money with a symbol (``$``, ``US$``, ``€``, ``£``, ``₿``, ...), a code before
  (``USD 1.2 trillion``) or after (``57,972 USDT``; USDT, USDC and other dollar
  stablecoins count as ``USD``), a symbol after (``10 €``) and a magnitude suffix
  (``K``, ``M``, ``B``, ``T``, ``k``, ``mn``, ``bn``, ``tn``, ``MM``, ``thousand``,
  ``million``, ``billion``, ``trillion``, ``lakh``, ``crore``; lower-case ``m`` and
  ``t`` only right after a currency, because ``15m`` alone is fifteen minutes); a
  decimal comma where it cannot be a thousands separator (``$4,78``, ``0,03%``);
  subunits (``50 cents`` is 0.5 USD, ``470 pence`` 4.7 GBP, ``2 sats`` 2e-8 BTC);
* percentages (``-1.88%``, ``0,03%`` with a decimal comma, ``3.5 per cent``,
  ``12 percent``, ``1.5 percentage points``: all unit ``percent``) and basis points
  (``50 bps`` is unit ``bp``, value 50: kept apart from percent on purpose, since a
  rate "cut by 50 bps" is not a 50% move and converting would hide the article's unit);
* amounts of a crypto asset (``12,000 BTC``, ``1.2 million ETH``, ``5 bitcoin``);
* plain numbers, unit ``number``: ``1,234.5``, ``2.5 million``, ``two billion``,
  ``twenty-five``, ``a million``, ``half a million``, ``one and a half``, ``a dozen``;
* ranges written with a dash or tilde (``$67-75K``: the suffix distributes,
  ``$100K–$103K``, ``1%-2%``, ``627K-480K``, ``20~100``) or as ``between X and Y``;
  ``value`` is the lower end and ``value_max`` the upper one. ``from X to Y`` and
  ``X to Y`` are *not* ranges ("rose from $100 to $110", "fell $2,000 to $98,000"):
  extraction decides from context;
* a sign glued to the number (``-``, ``+``, ``−``) or the word ``minus``/``negative``
  sets the value's sign and the ``direction``; the words just before (``about``,
  ``more than``, ``no less than``, ``~``, ``>``) or just after (``or more``) set the
  ``qualifier``.

What it leaves alone: dates (``2025-05-21``, ``21/05/2025``), clock times, fractions
with a slash (``24/7``), numbers glued to letters (``Q2``, ``Web3``, ``24h``, ``3rd``,
``10x``; a percentage such as the ticker-widget ``BTC0,03%`` is kept so extraction
can see and drop it), numbers inside URLs, and anything whose value would not be a
finite float. A year is never glued to a currency code or ticker ("in 2025 BTC
rallied" gives the number 2025); a dash between numbers that chains three or more
(``+1-222-2222``) is not a range.

>>> [(q.value, q.unit, q.text) for q in parse_quantities("BTC fell 1.88% to $67.46K")]
[(1.88, 'percent', '1.88%'), (67460.0, 'USD', '$67.46K')]
"""

from __future__ import annotations

from ._parse import parse_quantities

__all__ = ["parse_quantities"]
