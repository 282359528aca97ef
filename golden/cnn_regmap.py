# SPDX-License-Identifier: Apache-2.0
"""One definition of the CNN multiply-add IP's (``cnn_engine``) software interface.

docs/cnn_contract.md is the contract; this module is its single machine-readable form.  The
register map, the fields of every register, the layer kinds, paddings, flags, error codes
(names, numbers, checking order), the memory windows, the CAPS fields and the quant-word
layouts are defined here once, and

* ``scripts/gen_cnn_regs.py`` generates from them the Verilog header ``rtl/cnn/cnn_regs.vh``,
  the driver's constants ``driver/cnn_ip/regs.py`` and the register table of
  ``docs/cnn_rtl.md`` (``make cnn-regs``; ``make test`` fails when a generated file differs);
* the golden model (golden/cnn.py) and the register model (driver/cnn_ip/memory_bus.py)
  import them.

The access rules the contract's table leaves open are fixed in :data:`ACCESS_RULES` (rendered
into docs/cnn_rtl.md with the table).
"""

from __future__ import annotations

from dataclasses import dataclass

ADDR_W = 20                       # AXI4-Lite address bits (0x00000-0xFFFFF)
DATA_W = 32
ID_VALUE = 0x434E4E31             # "CNN1"


@dataclass(frozen=True)
class Field:
    """A bit field of a register or memory word: bits [lsb + width - 1 : lsb]."""

    name: str
    lsb: int
    width: int
    doc: str
    signed: bool = False

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb

    def get(self, word: int) -> int:
        v = (int(word) >> self.lsb) & ((1 << self.width) - 1)
        if self.signed and v >> (self.width - 1):
            v -= 1 << self.width
        return v

    def put(self, value: int) -> int:
        """``value`` placed in the field (a signed value as its two's complement)."""
        value = int(value)
        lo = -(1 << (self.width - 1)) if self.signed else 0
        hi = (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1
        if not lo <= value <= hi:
            raise ValueError(f"field {self.name}: {value} outside {lo}..{hi}")
        return (value & ((1 << self.width) - 1)) << self.lsb


@dataclass(frozen=True)
class Reg:
    """One 32-bit register.

    access -- "RO" read-only, "RW" read-write, "RW1C" read, write-1-to-clear fields,
              "CTRL" (CTRL's mix: START writes and reads as 0, IRQ_EN read-write)
    width  -- bits kept by a descriptor register (the rest ignored on write, read as 0)
    desc   -- True for the descriptor registers (refused with SLVERR while BUSY)
    """

    name: str
    offset: int
    access: str
    reset: int
    doc: str
    fields: tuple = ()
    width: int = 32
    desc: bool = False


def _d(name, offset, width, doc):
    return Reg(name, offset, "RW", 0, doc, (), width, True)


REGS: tuple[Reg, ...] = (
    Reg("ID", 0x000, "RO", ID_VALUE, 'identification, 0x434E4E31 ("CNN1")'),
    Reg("CAPS", 0x004, "RO", 0, "the instance's parameters (reset value depends on them)", (
        Field("N_MAC", 0, 8, "multiply-accumulate lanes"),
        Field("LOG2_ACT", 8, 8, "log2(ACT_BYTES)"),
        Field("LOG2_W", 16, 8, "log2(W_ROWS)"),
        Field("LOG2_Q", 24, 8, "log2(Q_WORDS)"))),
    Reg("CTRL", 0x008, "CTRL", 0, "control", (
        Field("START", 0, 1, "write 1: check the descriptor and start it (reads as 0)"),
        Field("IRQ_EN", 1, 1, "irq = STATUS.DONE & IRQ_EN"))),
    Reg("STATUS", 0x00C, "RW1C", 0, "status", (
        Field("BUSY", 0, 1, "a layer is running"),
        Field("DONE", 1, 1, "the last accepted layer finished (sticky, write 1 clears)"),
        Field("ERR", 2, 1, "the last START was refused (sticky, write 1 clears)"),
        Field("ERR_CODE", 8, 8, "error code of the last START (0 = accepted)"))),
    Reg("CYCLES", 0x010, "RO", 0, "clock cycles from START to DONE of the last layer"),
    Reg("MACS", 0x014, "RO", 0, "useful multiply-accumulates of the last layer (lane-MACs with "
        "co < COUT, padded taps included; 0 for MAXPOOL and ADD)"),
    Reg("STALLS", 0x018, "RO", 0, "cycles of the last layer in which no lane issued a MAC "
        "(CONV1D, DENSE) or no element was produced (MAXPOOL, ADD)"),
    Reg("LEN_OUT", 0x01C, "RO", 0, "LEN_OUT of the descriptor registers (0 when undefined or < 1)"),
    _d("KIND", 0x020, 3, "layer kind (KIND_*)"),
    _d("CIN", 0x024, 16, "input channels (DENSE: input features)"),
    _d("COUT", 0x028, 16, "output channels (DENSE: outputs)"),
    _d("LEN_IN", 0x02C, 16, "input length"),
    _d("KERNEL", 0x030, 16, "kernel K (MAXPOOL: window)"),
    _d("STRIDE", 0x034, 16, "stride"),
    _d("DILATION", 0x038, 16, "dilation"),
    _d("PAD", 0x03C, 2, "padding (PAD_*)"),
    Reg("FLAGS", 0x040, "RW", 0, "layer flags", (Field("RELU", 0, 1, "y = max(y, 0)"),), 1, True),
    _d("SRC_A", 0x044, 16, "byte address of the input map in ACT RAM"),
    _d("SRC_B", 0x048, 16, "byte address of the second input map (ADD only)"),
    _d("DST", 0x04C, 16, "byte address of the output map"),
    _d("W_BASE", 0x050, 16, "first weight row"),
    _d("Q_BASE", 0x054, 16, "first quant word"),
)
REG = {r.name: r for r in REGS}
DESC_REGS = tuple(r for r in REGS if r.desc)


@dataclass(frozen=True)
class Window:
    """A memory window of the address map: [base, base + span)."""

    name: str
    base: int
    span: int
    doc: str


WINDOWS: tuple[Window, ...] = (
    Window("ACT", 0x10000, 0x10000, "activation RAM, 4 bytes per word little-endian, WSTRB honoured"),
    Window("W", 0x20000, 0x20000, "weight RAM: row r at 0x20000 + 4*WPR*r, WPR = ceil(N_MAC/4) words; "
           "lane l in byte l%4 of word l//4"),
    Window("Q", 0x40000, 0x10000, "quant RAM, one 32-bit word each"),
)
WINDOW = {w.name: w for w in WINDOWS}

# How the slave answers (docs/cnn_contract.md plus the details the contract leaves open).
ACCESS_RULES: tuple[str, ...] = (
    "Address bits [1:0] are ignored: every access is a 32-bit word access.",
    "Unmapped offsets, and window offsets past the RAM's size, answer DECERR (reads return 0).",
    "A write to a RO register (ID, CAPS, CYCLES, MACS, STALLS, LEN_OUT) answers SLVERR.",
    "A write to a register with WSTRB != 0b1111 answers SLVERR; the three windows honour WSTRB "
    "byte by byte.",
    "A descriptor register keeps the low `bits kept` bits of the written word; the upper bits are "
    "ignored and read as 0. The descriptor checks see the kept values.",
    "While BUSY: a descriptor write, a window write or read, and a CTRL write with START = 1 "
    "answer SLVERR. A CTRL write with START = 0 (IRQ_EN only), STATUS writes and register reads "
    "are accepted.",
    "An access answered SLVERR or DECERR changes nothing; DECERR (address decode) takes "
    "precedence over SLVERR.",
    "START (CTRL bit0 = 1 while not BUSY) clears DONE and ERR, then either sets BUSY and "
    "ERR_CODE = 0 and clears CYCLES, MACS, STALLS, or refuses: ERR = 1, ERR_CODE = the first "
    "error code that applies, DONE = 0, nothing executed.",
    "STATUS write: DONE and ERR are write-1-to-clear; BUSY and ERR_CODE ignore writes.",
    "At the end of a layer BUSY falls and DONE rises in the same cycle; CYCLES, MACS and STALLS "
    "then hold until the next accepted START.",
    "irq = DONE & IRQ_EN (level).",
    "W window: the bytes of a row's last word beyond lane N_MAC-1 read as 0 and ignore writes.",
    "LEN_OUT reads len_out() of the descriptor registers (golden/cnn.py): 0 when undefined "
    "(KIND > 3; CONV1D with PAD > 2; KERNEL, STRIDE or DILATION 0) or below 1.",
    "Accumulator: int32, two's complement, wrapping (exact whenever |bias| < 2^30, which the "
    "driver guarantees). Quant words with S 48..63 give r = 0 (the exact formula, |p| < 2^47); "
    "the driver never writes them.",
)

KINDS = {"CONV1D": 0, "DENSE": 1, "MAXPOOL": 2, "ADD": 3}
PADS = {"VALID": 0, "SAME": 1, "CAUSAL": 2}
FLAGS = {"RELU": 1 << 0}

# Error codes, in checking order (the first that applies is reported).
ERRORS = {
    "OK": 0,
    "BAD_KIND": 1,     # KIND > 3
    "BAD_PAD": 2,      # PAD > 2, or PAD != 0 for MAXPOOL
    "ZERO_PARAM": 3,   # KERNEL, STRIDE, DILATION, CIN, COUT or LEN_IN = 0
    "CH_RANGE": 4,     # CIN or COUT > MAX_CH; COUT != CIN for MAXPOOL/ADD; DILATION != 1 for MAXPOOL
    "ACC_RANGE": 5,    # CIN*KERNEL > ACC_MAX_TERMS
    "RECEPTIVE": 6,    # LEN_OUT < 1
    "ACT_RANGE": 7,    # a source or the destination region past ACT_BYTES
    "OVERLAP": 8,      # the destination region overlaps a source region
    "W_RANGE": 9,      # W_BASE + rows used > W_ROWS (CONV1D, DENSE)
    "Q_RANGE": 10,     # Q_BASE + 2*COUT > Q_WORDS (CONV1D, DENSE); Q_BASE + 2 > Q_WORDS (ADD)
}
ERROR_NAMES = {v: k for k, v in ERRORS.items()}
ERROR_DOCS = {
    "OK": "accepted",
    "BAD_KIND": "KIND > 3",
    "BAD_PAD": "PAD > 2, or PAD != 0 for MAXPOOL",
    "ZERO_PARAM": "KERNEL, STRIDE, DILATION, CIN, COUT or LEN_IN is 0",
    "CH_RANGE": "CIN or COUT > MAX_CH, COUT != CIN for MAXPOOL/ADD, or DILATION != 1 for MAXPOOL",
    "ACC_RANGE": "CIN*KERNEL > 65536",
    "RECEPTIVE": "LEN_OUT < 1 (receptive field longer than the padded input)",
    "ACT_RANGE": "SRC + CIN*LEN_IN or DST + COUT*LEN_OUT past ACT_BYTES",
    "OVERLAP": "the destination region overlaps a source region",
    "W_RANGE": "W_BASE + ceil(COUT/N_MAC)*CIN*KERNEL > W_ROWS (CONV1D, DENSE)",
    "Q_RANGE": "Q_BASE + 2*COUT > Q_WORDS (CONV1D, DENSE), Q_BASE + 2 > Q_WORDS (ADD)",
}

# Quant RAM words.  CONV1D/DENSE output channel co: word Q_BASE + 2*co = bias (int32),
# word Q_BASE + 2*co + 1 = QW_M | QW_S.  ADD: word Q_BASE = QA_MA | QA_MB, word Q_BASE + 1 = QA_S.
QUANT_FIELDS: tuple[Field, ...] = (
    Field("QW_M", 0, 16, "requant multiplier M"),
    Field("QW_S", 16, 6, "requant right shift S (0..47)"),
    Field("QA_MA", 0, 16, "ADD multiplier of input a", True),
    Field("QA_MB", 16, 16, "ADD multiplier of input b", True),
    Field("QA_S", 0, 5, "ADD right shift S (0..31)"),
)
QUANT = {f.name: f for f in QUANT_FIELDS}

# Parameter defaults of cnn_engine and arithmetic limits.
DEFAULTS = {"N_MAC": 3, "ACT_BYTES": 8192, "W_ROWS": 4096, "Q_WORDS": 512, "MAX_CH": 256}
LIMITS = {
    "ACC_MAX_TERMS": 65536,     # CIN*K above this is ACC_RANGE
    "S_MAX": 47,                # largest CONV1D/DENSE requant shift
    "ADD_S_MAX": 31,            # largest ADD shift
    "BIAS_ABS_LIMIT": 1 << 30,  # |bias| < this (checked by the driver): |acc| < 2^31
    "ACC_W": 32,                # accumulator bits (int32)
    "PROD_W": 48,               # acc * M bits (exact)
}


def caps_word(n_mac: int, act_bytes: int, w_rows: int, q_words: int) -> int:
    """The CAPS value of an instance (every size a power of two)."""
    f = REG["CAPS"].fields
    word = f[0].put(n_mac)
    for fld, size in zip(f[1:], (act_bytes, w_rows, q_words)):
        if size < 1 or size & (size - 1):
            raise ValueError(f"{fld.name[5:]} size {size} is not a power of two")
        word |= fld.put(size.bit_length() - 1)
    return word


def words_per_row(n_mac: int) -> int:
    """WPR: 32-bit words a weight row of N_MAC lanes takes in the W window."""
    return (n_mac + 3) // 4


# ------------------------------------------------------------------------------------------
# Renderers (used by scripts/gen_cnn_regs.py)
# ------------------------------------------------------------------------------------------
_GEN = "GENERATED by scripts/gen_cnn_regs.py from golden/cnn_regmap.py"


def _hex(v: int, w: int) -> str:
    return f"{w}'h{v:0{(w + 3) // 4}X}"


def render_verilog_header() -> str:
    """The text of rtl/cnn/cnn_regs.vh."""
    L = ["// SPDX-License-Identifier: Apache-2.0",
         f"// cnn_regs.vh -- {_GEN}.",
         "// Do not edit: change golden/cnn_regmap.py and run `make cnn-regs`.",
         "`ifndef CNN_REGS_VH", "`define CNN_REGS_VH", "",
         f"`define CNN_ADDR_W {ADDR_W}",
         f"`define CNN_ID_VALUE {_hex(ID_VALUE, 32)}", "",
         "// Registers: CNN_REG_<name> byte offset; descriptor registers: CNN_REG_<name>_W kept bits"]
    for r in REGS:
        L.append(f"// {r.name} ({r.access}): {r.doc}")
        L.append(f"`define CNN_REG_{r.name} {_hex(r.offset, ADDR_W)}")
        if r.desc:
            L.append(f"`define CNN_REG_{r.name}_W {r.width}")
    L += ["", "// Register fields: CNN_<reg>_<field>_LSB / _W (one-bit fields also _BIT)"]
    for r in REGS:
        for f in r.fields:
            L.append(f"// {r.name}.{f.name}: {f.doc}")
            L.append(f"`define CNN_{r.name}_{f.name}_LSB {f.lsb}")
            L.append(f"`define CNN_{r.name}_{f.name}_W {f.width}")
            if f.width == 1:
                L.append(f"`define CNN_{r.name}_{f.name}_BIT {f.lsb}")
    L += ["", "// Memory windows: CNN_WIN_<name>_BASE and _SPAN (bytes)"]
    for w in WINDOWS:
        L.append(f"// {w.name} window: {w.doc}")
        L.append(f"`define CNN_WIN_{w.name}_BASE {_hex(w.base, ADDR_W)}")
        L.append(f"`define CNN_WIN_{w.name}_SPAN {_hex(w.span, ADDR_W + 1)}")
    L += ["", "// Layer kinds"]
    L += [f"`define CNN_KIND_{k} 3'd{v}" for k, v in KINDS.items()]
    L += ["", "// Paddings"]
    L += [f"`define CNN_PAD_{k} 2'd{v}" for k, v in PADS.items()]
    L += ["", "// Error codes (STATUS.ERR_CODE), in checking order"]
    for k, v in ERRORS.items():
        L += [f"// {k}: {ERROR_DOCS[k]}", f"`define CNN_ERR_{k} 8'd{v}"]
    L += ["", "// Quant RAM word fields: CNN_<field>_LSB / _W"]
    for f in QUANT_FIELDS:
        L.append(f"// {f.name}: {f.doc} ({'signed' if f.signed else 'unsigned'})")
        L.append(f"`define CNN_{f.name}_LSB {f.lsb}")
        L.append(f"`define CNN_{f.name}_W {f.width}")
    L += ["", "// Parameter defaults of cnn_engine"]
    L += [f"`define CNN_DEF_{k} {v}" for k, v in DEFAULTS.items()]
    L += ["", "// Arithmetic limits"]
    L += [f"`define CNN_{k} {v}" for k, v in LIMITS.items()]
    L += ["", "`endif", ""]
    return "\n".join(L)


def render_python_constants() -> str:
    """The text of driver/cnn_ip/regs.py (plain constants, no imports)."""
    L = ["# SPDX-License-Identifier: Apache-2.0",
         f'"""Register map of the CNN multiply-add IP -- {_GEN}.',
         "",
         "Do not edit: change golden/cnn_regmap.py and run `make cnn-regs`.",
         '"""', "",
         f"ADDR_W = {ADDR_W}",
         f"ID_VALUE = 0x{ID_VALUE:08X}", "",
         "# Register byte offsets (REG_*) and the bits a descriptor register keeps (*_W)"]
    for r in REGS:
        L.append(f"REG_{r.name} = 0x{r.offset:03X}")
    for r in DESC_REGS:
        L.append(f"REG_{r.name}_W = {r.width}")
    L += ["", "# Register fields: <REG>_<FIELD>_SHIFT, <REG>_<FIELD>_MASK (mask after the shift); "
          "one-bit fields also <REG>_<FIELD> (the bit)"]
    for r in REGS:
        for f in r.fields:
            L.append(f"{r.name}_{f.name}_SHIFT = {f.lsb}")
            L.append(f"{r.name}_{f.name}_MASK = 0x{(1 << f.width) - 1:X}")
            if f.width == 1:
                L.append(f"{r.name}_{f.name} = 0x{1 << f.lsb:X}")
    L += ["", "# Memory windows: WIN_<name>_BASE, WIN_<name>_SPAN (bytes)"]
    for w in WINDOWS:
        L.append(f"WIN_{w.name}_BASE = 0x{w.base:05X}")
        L.append(f"WIN_{w.name}_SPAN = 0x{w.span:05X}")
    L += ["", "# Layer kinds, paddings, flags"]
    L += [f"KIND_{k} = {v}" for k, v in KINDS.items()]
    L += [f"PAD_{k} = {v}" for k, v in PADS.items()]
    L += [f"FLAG_{k} = 0x{v:X}" for k, v in FLAGS.items()]
    L += ["", "# Error codes (STATUS.ERR_CODE), in checking order"]
    L += [f"ERR_{k} = {v}" for k, v in ERRORS.items()]
    L.append("ERROR_NAMES = {" + ", ".join(f"{v}: {k!r}" for k, v in ERRORS.items()) + "}")
    L += ["", "# Quant RAM word fields: <FIELD>_SHIFT, <FIELD>_MASK (mask after the shift)"]
    for f in QUANT_FIELDS:
        L.append(f"{f.name}_SHIFT = {f.lsb}")
        L.append(f"{f.name}_MASK = 0x{(1 << f.width) - 1:X}")
    L += ["", "# Parameter defaults of cnn_engine and arithmetic limits"]
    L += [f"DEF_{k} = {v}" for k, v in DEFAULTS.items()]
    L += [f"{k} = {v}" for k, v in LIMITS.items()]
    L.append("DESC_REGS = (" + ", ".join(f"{r.name!r}" for r in DESC_REGS) + ",)")
    L.append("")
    return "\n".join(L)


DOC_BEGIN = "<!-- BEGIN cnn_regs: generated by scripts/gen_cnn_regs.py from golden/cnn_regmap.py -->"
DOC_END = "<!-- END cnn_regs -->"


def render_doc_table() -> str:
    """The Markdown between DOC_BEGIN and DOC_END in docs/cnn_rtl.md (markers included)."""
    L = [DOC_BEGIN, "",
         "| offset | name | access | reset | bits kept | fields / meaning |",
         "|---|---|---|---|---|---|"]
    for r in REGS:
        reset = "params" if r.name == "CAPS" else f"0x{r.reset:08X}"
        fl = "; ".join(f"[{f.lsb + f.width - 1}:{f.lsb}] {f.name}: {f.doc}" if f.width > 1
                       else f"[{f.lsb}] {f.name}: {f.doc}" for f in r.fields)
        L.append(f"| 0x{r.offset:03X} | {r.name} | {r.access} | {reset} | "
                 f"{r.width if r.desc else 32} | {fl or r.doc} |")
    for w in WINDOWS:
        L.append(f"| 0x{w.base:05X}-0x{w.base + w.span - 1:05X} | {w.name} window | RW | - | - | {w.doc} |")
    L += ["", "| code | name | condition (checked in this order) |", "|---|---|---|"]
    L += [f"| {v} | {k} | {ERROR_DOCS[k]} |" for k, v in ERRORS.items()]
    L += ["", "| quant word field | bits | meaning |", "|---|---|---|"]
    L += [f"| {f.name} | [{f.lsb + f.width - 1}:{f.lsb}] | {f.doc} ({'signed' if f.signed else 'unsigned'}) |"
          for f in QUANT_FIELDS]
    L += ["", "Kinds: " + ", ".join(f"{v} {k}" for k, v in KINDS.items())
          + ". Paddings: " + ", ".join(f"{v} {k}" for k, v in PADS.items())
          + ". Defaults: " + ", ".join(f"{k} {v}" for k, v in DEFAULTS.items()) + ".", "",
          "Access rules:", ""]
    L += [f"- {r}" for r in ACCESS_RULES]
    L += ["", DOC_END]
    return "\n".join(L)
