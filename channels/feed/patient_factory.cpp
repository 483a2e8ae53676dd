#include "channels/feed/patient_factory.h"

#include <cctype>
#include <vector>

namespace irwell::feed {

namespace {

// Invented combinations of common names; the accented ones are all in Latin-1, so a trust
// writing 8859/1 loses nothing.
const std::vector<std::string> kFemale = {
    "Alice",   "Amelia", "Bethan", "Chloé", "Deborah", "Eilidh",   "Freya",  "Grace", "Hannah",
    "Imogen",  "Joanne", "Katie",  "Lucy",  "Maria",   "Niamh",    "Olivia", "Priya", "Renée",
    "Siobhán", "Sophie", "Tamsin", "Zoë",   "Yasmin",  "Margaret", "Åsa"};
const std::vector<std::string> kMale = {
    "Aaron", "Ben",    "Callum", "Dafydd",  "Eámon",    "François", "George", "Harry", "Idris",
    "Jack",  "Jürgen", "Kieran", "Liam",    "Mohammed", "Noah",     "Oscar",  "Peter", "Rhys",
    "Sean",  "Thomas", "Óscar",  "William", "Zain",     "José",     "Björn"};
const std::vector<std::string> kFamily = {
    "Abbott", "Barker",  "Clarke",   "Davies",      "Evans",   "Fletcher", "Griffiths", "Hughes",
    "Iqbal",  "Jones",   "Khan",     "Lewis",       "Morgan",  "Nowak",    "O'Brien",   "Patel",
    "Quinn",  "Roberts", "Singh",    "Thompson",    "Usher",   "Vaughan",  "Walsh",     "Young",
    "Müller", "Núñez",   "Ó Briain", "Søndergaard", "Lefèvre", "García",   "Brontë"};
const std::vector<std::string> kStreets = {"Mill Lane",     "Station Road",   "Church Street",
                                           "Victoria Road", "Park Avenue",    "Queen Street",
                                           "Orchard Close", "Riverside Walk", "The Crescent",
                                           "Beech Grove",   "Canal Side",     "Hill Rise"};

bool ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

const std::string& pick_name(FeedRandom& rng, const std::vector<std::string>& from,
                             bool ascii_only) {
  for (;;) {
    const std::string& n = rng.pick(from);
    if (!ascii_only || ascii(n)) return n;
  }
}

std::string upper_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<int> nhs_check_digit(std::string_view nine) {
  if (nine.size() != 9) return std::nullopt;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(nine[i]))) return std::nullopt;
    sum += (nine[i] - '0') * static_cast<int>(10 - i);
  }
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return std::nullopt;
  return check;
}

std::string spaced_nhs_number(std::string_view d) {
  if (d.size() != 10) return std::string(d);
  return std::string(d.substr(0, 3)) + " " + std::string(d.substr(3, 3)) + " " +
         std::string(d.substr(6));
}

Patient PatientFactory::make(FeedRandom& rng, const TrustProfile& trust, size_t trust_index) {
  Patient p;
  p.trust = trust_index;
  for (;;) {
    std::string nine = "999";
    for (int i = 0; i < 6; ++i) nine.push_back(static_cast<char>('0' + rng.below(10)));
    auto check = nhs_check_digit(nine);
    if (!check) continue;
    std::string number = nine + static_cast<char>('0' + *check);
    if (nhs_numbers_.insert(number).second) {
      p.nhs_number = std::move(number);
      break;
    }
  }
  for (;;) {
    std::string mrn = trust.id_prefix + std::to_string(100000 + rng.below(900000));
    if (mrns_.insert(mrn).second) {
      p.mrn = std::move(mrn);
      break;
    }
  }
  const bool ascii_only = trust.charset.empty();
  const int sex_draw = static_cast<int>(rng.below(100));
  p.sex = sex_draw < 49 ? 'F' : sex_draw < 98 ? 'M' : 'U';
  const auto& given_names = p.sex == 'M'     ? kMale
                            : p.sex == 'F'   ? kFemale
                            : rng.chance(50) ? kMale
                                             : kFemale;
  p.given = pick_name(rng, given_names, ascii_only);
  if (rng.chance(40)) p.middle = pick_name(rng, given_names, ascii_only);
  p.family = pick_name(rng, kFamily, ascii_only);
  p.title = p.sex == 'M' ? "MR" : p.sex == 'F' ? (rng.chance(50) ? "MS" : "MRS") : "MX";
  if (ascii_only) {  // this trust's PAS writes names in capitals
    p.family = upper_ascii(p.family);
    p.given = upper_ascii(p.given);
    p.middle = upper_ascii(p.middle);
  }
  p.birth_year = rng.between(1930, 2024);
  p.birth_month = rng.between(1, 12);
  p.birth_day = rng.between(1, days_in_month(p.birth_year, p.birth_month));
  p.house = rng.between(1, 240);
  p.street = rng.pick(kStreets);
  p.postcode = trust.postcode_area + std::to_string(rng.between(1, 19)) + " " +
               std::to_string(rng.between(1, 9)) + static_cast<char>('A' + rng.below(26)) +
               static_cast<char>('A' + rng.below(26));
  return p;
}

}  // namespace irwell::feed
