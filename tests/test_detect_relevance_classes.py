"""Relevance on the classes that unseen news showed wrong (issue 10, class 3): CSTO statements on Afghanistan and
the Tajik-Afghan border are relevant wherever the ministers meet; Pakistan's and Iran's own security news, the
Afghan central bank and Taliban oil contracts are not. Sentences written for the test."""

import pytest

from borderwatch.detect import detect


@pytest.mark.parametrize("text", [
    "CSTO defence ministers meeting in Minsk on Tuesday discussed strengthening the Tajik-Afghan border and the "
    "situation in Afghanistan.",
    "The CSTO foreign ministers adopted a statement on Afghanistan at their summit in Yerevan, calling for a "
    "programme to strengthen the Tajik-Afghan border.",
    "Министры обороны ОДКБ на встрече в Минске обсудили укрепление таджикско-афганской границы.",
])
def test_csto_posture_on_afghanistan_is_relevant(text):
    assert detect(text).relevant


@pytest.mark.parametrize("text", [
    "Pakistani troops killed ten TTP militants in an intelligence-based operation in North Waziristan, the army said.",
    "Iranian border guards clashed with armed smugglers in Sistan and Baluchestan province, killing two.",
    "Afghanistan's central bank auctioned 14 million dollars on Monday to stabilise the afghani.",
    "The Taliban signed an oil extraction contract with a Chinese company for the Amu Darya basin.",
    "Armenia said it would not attend the CSTO summit in Minsk over the Karabakh conflict.",
    "Mudflows after heavy rains killed nine people in southern Kyrgyzstan; soldiers and rescuers searched the valley.",
])
def test_other_countries_security_and_non_security_news_are_not(text):
    assert not detect(text).relevant
